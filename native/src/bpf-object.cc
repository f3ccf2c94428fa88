#include "bpf-object.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "args.h"
#include "errors.h"

namespace weft {

Napi::Function BpfObject::Init(Napi::Env env) {
  return DefineClass(env, "BpfObject",
                     {
                         InstanceMethod("programs", &BpfObject::Programs),
                         InstanceMethod("maps", &BpfObject::Maps),
                         InstanceMethod("mapFd", &BpfObject::MapFd),
                         InstanceMethod("attachCgroup", &BpfObject::AttachCgroup),
                         InstanceMethod("attachNetns", &BpfObject::AttachNetns),
                         InstanceMethod("updateLink", &BpfObject::UpdateLink),
                         InstanceMethod("close", &BpfObject::Close),
                     });
}

// new BpfObject(objectPath, pinRoot): open and load.
BpfObject::BpfObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObject>(info) {
  Napi::Env env = info.Env();
  path_ = StringArg(info, 0, "objectPath");
  std::string pin_root = StringArg(info, 1, "pinRoot");

  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root.c_str());
  object_ = bpf_object__open_file(path_.c_str(), &opts);
  if (!object_) throw ErrnoError(env, "WEFT_ERR_BPF_OPEN", "open bpf object " + path_, errno);

  int err = bpf_object__load(object_);
  if (err) {
    bpf_object__close(object_);
    object_ = nullptr;
    throw ErrnoError(env, "WEFT_ERR_BPF_LOAD", "load bpf object " + path_ + " (pins under " + pin_root + ")", err);
  }
}

BpfObject::~BpfObject() {
  if (object_) bpf_object__close(object_);
}

void BpfObject::EnsureOpen(Napi::Env env) {
  if (!object_) throw ErrnoError(env, "WEFT_ERR_BPF_CLOSED", "bpf object " + path_ + " is closed", EBADF);
}

bpf_program* BpfObject::Program(Napi::Env env, const std::string& name) {
  EnsureOpen(env);
  bpf_program* program = bpf_object__find_program_by_name(object_, name.c_str());
  if (!program) throw ErrnoError(env, "WEFT_ERR_BPF_NO_PROGRAM", "program " + name + " in " + path_, ENOENT);
  return program;
}

Napi::Value BpfObject::Programs(const Napi::CallbackInfo& info) {
  EnsureOpen(info.Env());
  Napi::Array names = Napi::Array::New(info.Env());
  uint32_t i = 0;
  bpf_program* program;
  bpf_object__for_each_program(program, object_) names.Set(i++, bpf_program__name(program));
  return names;
}

Napi::Value BpfObject::Maps(const Napi::CallbackInfo& info) {
  EnsureOpen(info.Env());
  Napi::Array names = Napi::Array::New(info.Env());
  uint32_t i = 0;
  bpf_map* map;
  bpf_object__for_each_map(map, object_) names.Set(i++, bpf_map__name(map));
  return names;
}

// mapFd(name): the fd stays owned by the object.
Napi::Value BpfObject::MapFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "mapName");
  EnsureOpen(env);
  bpf_map* map = bpf_object__find_map_by_name(object_, name.c_str());
  if (!map) throw ErrnoError(env, "WEFT_ERR_BPF_NO_MAP", "map " + name + " in " + path_, ENOENT);
  return Napi::Number::New(env, bpf_map__fd(map));
}

// attachCgroup(programName, cgroupPath, linkPinPath): a bpf_link pinned so
// the attachment outlives this process.
Napi::Value BpfObject::AttachCgroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "programName");
  std::string cgroup = StringArg(info, 1, "cgroupPath");
  std::string pin = StringArg(info, 2, "linkPinPath");
  bpf_program* program = Program(env, name);

  int cgroup_fd = open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup_fd < 0) throw ErrnoError(env, "WEFT_ERR_CGROUP_OPEN", "open cgroup " + cgroup, errno);
  bpf_link* link = bpf_program__attach_cgroup(program, cgroup_fd);
  int attach_errno = errno;
  close(cgroup_fd);
  if (!link) throw ErrnoError(env, "WEFT_ERR_BPF_ATTACH", "attach " + name + " to cgroup " + cgroup, attach_errno);
  PinLink(env, link, name, pin);
  return env.Undefined();
}

// attachNetns(programName, netnsPath, linkPinPath): an sk_lookup program on a
// network namespace (a pod's), its link pinned like a cgroup attachment.
Napi::Value BpfObject::AttachNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "programName");
  std::string netns = StringArg(info, 1, "netnsPath");
  std::string pin = StringArg(info, 2, "linkPinPath");
  bpf_program* program = Program(env, name);

  int netns_fd = open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (netns_fd < 0) throw ErrnoError(env, "WEFT_ERR_NETNS_OPEN", "open network namespace " + netns, errno);
  bpf_link* link = bpf_program__attach_netns(program, netns_fd);
  int attach_errno = errno;
  close(netns_fd);
  if (!link) throw ErrnoError(env, "WEFT_ERR_BPF_ATTACH", "attach " + name + " to network namespace " + netns, attach_errno);
  PinLink(env, link, name, pin);
  return env.Undefined();
}

void BpfObject::PinLink(Napi::Env env, bpf_link* link, const std::string& name, const std::string& pin) {
  int err = bpf_link__pin(link, pin.c_str());
  if (err) {
    bpf_link__destroy(link);  // closing the only fd detaches it again
    throw ErrnoError(env, "WEFT_ERR_BPF_PIN", "pin link of " + name + " at " + pin, err);
  }
  bpf_link__destroy(link);  // the pin keeps the link alive
}

// updateLink(programName, linkPinPath): swap the program behind an existing
// pinned link atomically (agent restart or upgrade).
Napi::Value BpfObject::UpdateLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "programName");
  std::string pin = StringArg(info, 1, "linkPinPath");
  bpf_program* program = Program(env, name);

  bpf_link* link = bpf_link__open(pin.c_str());
  if (!link) throw ErrnoError(env, "WEFT_ERR_BPF_LINK_OPEN", "open pinned link " + pin, errno);
  int err = bpf_link__update_program(link, program);
  bpf_link__destroy(link);
  if (err) throw ErrnoError(env, "WEFT_ERR_BPF_LINK_UPDATE", "update link " + pin + " to " + name, err);
  return env.Undefined();
}

Napi::Value BpfObject::Close(const Napi::CallbackInfo& info) {
  if (object_) bpf_object__close(object_);
  object_ = nullptr;
  return info.Env().Undefined();
}

}  // namespace weft
