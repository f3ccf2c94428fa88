// Feature probes for `weft check`: can this kernel load this program or map type?
#include <bpf/libbpf.h>

#include <cerrno>

#include "args.h"
#include "errors.h"
#include "exports.h"

namespace weft {

// probeProgram(sectionName) -> 1 supported, 0 not, or a negative errno
// (e.g. -EPERM without CAP_BPF).
static Napi::Value ProbeProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string section = StringArg(info, 0, "sectionName");
  bpf_prog_type type;
  bpf_attach_type attach_type;
  if (libbpf_prog_type_by_name(section.c_str(), &type, &attach_type))
    throw ErrnoError(env, "WEFT_ERR_BPF_UNKNOWN_SECTION", "program section " + section, EINVAL);
  return Napi::Number::New(env, libbpf_probe_bpf_prog_type(type, nullptr));
}

static Napi::Value ProbeMap(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), libbpf_probe_bpf_map_type(
      static_cast<bpf_map_type>(IntArg(info, 0, "mapType")), nullptr));
}

void ExportProbeFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("probeProgram", Napi::Function::New(env, ProbeProgram, "probeProgram"));
  exports.Set("probeMap", Napi::Function::New(env, ProbeMap, "probeMap"));
}

}  // namespace weft
