#pragma once
#include <bpf/libbpf.h>
#include <napi.h>
#include <string>

namespace weft {

// One loaded eBPF object file. Maps marked LIBBPF_PIN_BY_NAME are reused
// from, or pinned to, the pin root given at construction.
class BpfObject : public Napi::ObjectWrap<BpfObject> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit BpfObject(const Napi::CallbackInfo& info);
  ~BpfObject() override;

 private:
  Napi::Value Programs(const Napi::CallbackInfo& info);
  Napi::Value Maps(const Napi::CallbackInfo& info);
  Napi::Value MapFd(const Napi::CallbackInfo& info);
  Napi::Value AttachCgroup(const Napi::CallbackInfo& info);
  Napi::Value AttachNetns(const Napi::CallbackInfo& info);
  Napi::Value UpdateLink(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  static void PinLink(Napi::Env env, bpf_link* link, const std::string& name, const std::string& pin);

  bpf_program* Program(Napi::Env env, const std::string& name);
  void EnsureOpen(Napi::Env env);

  bpf_object* object_ = nullptr;
  std::string path_;
};

}  // namespace weft
