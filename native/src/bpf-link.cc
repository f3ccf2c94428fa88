// Operations on pinned bpf_links, by pin path.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>

#include "args.h"
#include "errors.h"
#include "exports.h"

namespace weft {

// detachLink(pinPath): detach from the cgroup, then remove the pin.
static Napi::Value DetachLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string pin = StringArg(info, 0, "linkPinPath");
  bpf_link* link = bpf_link__open(pin.c_str());
  if (!link) throw ErrnoError(env, "WEFT_ERR_BPF_LINK_OPEN", "open pinned link " + pin, errno);
  int err = bpf_link__detach(link);
  if (!err && unlink(pin.c_str()) && errno != ENOENT) err = -errno;
  bpf_link__destroy(link);
  if (err) throw ErrnoError(env, "WEFT_ERR_BPF_DETACH", "detach pinned link " + pin, err);
  return env.Undefined();
}

// linkInfo(pinPath): { id, progId, type, cgroupId, attachType }.
static Napi::Value LinkInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string pin = StringArg(info, 0, "linkPinPath");
  int fd = bpf_obj_get(pin.c_str());
  if (fd < 0) throw ErrnoError(env, "WEFT_ERR_BPF_LINK_OPEN", "open pinned link " + pin, errno);
  bpf_link_info link_info = {};
  uint32_t length = sizeof(link_info);
  int err = bpf_obj_get_info_by_fd(fd, &link_info, &length);
  close(fd);
  if (err) throw ErrnoError(env, "WEFT_ERR_BPF_INFO", "read info of link " + pin, errno);
  Napi::Object result = Napi::Object::New(env);
  result.Set("id", link_info.id);
  result.Set("progId", link_info.prog_id);
  result.Set("type", link_info.type);
  if (link_info.type == BPF_LINK_TYPE_CGROUP) {
    result.Set("cgroupId", Napi::BigInt::New(env, static_cast<uint64_t>(link_info.cgroup.cgroup_id)));
    result.Set("attachType", link_info.cgroup.attach_type);
  }
  return result;
}

void ExportLinkFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("detachLink", Napi::Function::New(env, DetachLink, "detachLink"));
  exports.Set("linkInfo", Napi::Function::New(env, LinkInfo, "linkInfo"));
}

}  // namespace weft
