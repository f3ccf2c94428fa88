// Map operations by file descriptor. Keys and values are Buffers whose
// layout the TypeScript codec owns.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "args.h"
#include "errors.h"
#include "exports.h"

namespace weft {

static std::string MapName(int fd) {
  bpf_map_info map_info = {};
  uint32_t length = sizeof(map_info);
  if (bpf_obj_get_info_by_fd(fd, &map_info, &length)) return "fd " + std::to_string(fd);
  return std::string("map ") + map_info.name;
}

// openPinnedMap(path) -> fd (caller closes with closeFd).
static Napi::Value OpenPinnedMap(const Napi::CallbackInfo& info) {
  std::string path = StringArg(info, 0, "pinPath");
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) throw ErrnoError(info.Env(), "WEFT_ERR_BPF_MAP_OPEN", "open pinned map " + path, errno);
  return Napi::Number::New(info.Env(), fd);
}

// mapInfo(fd) -> { name, type, keySize, valueSize, maxEntries, id }.
static Napi::Value MapInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = IntArg(info, 0, "fd");
  bpf_map_info map_info = {};
  uint32_t length = sizeof(map_info);
  if (bpf_obj_get_info_by_fd(fd, &map_info, &length))
    throw ErrnoError(env, "WEFT_ERR_BPF_INFO", "read info of map fd " + std::to_string(fd), errno);
  Napi::Object result = Napi::Object::New(env);
  result.Set("name", map_info.name);
  result.Set("type", map_info.type);
  result.Set("keySize", map_info.key_size);
  result.Set("valueSize", map_info.value_size);
  result.Set("maxEntries", map_info.max_entries);
  result.Set("id", map_info.id);
  return result;
}

// mapLookup(fd, key, valueLength) -> Buffer, or null when absent.
static Napi::Value MapLookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = IntArg(info, 0, "fd");
  auto key = BufferArg(info, 1, "key");
  int length = IntArg(info, 2, "valueLength");
  auto value = Napi::Buffer<uint8_t>::New(env, length);
  if (bpf_map_lookup_elem(fd, key.Data(), value.Data())) {
    if (errno == ENOENT) return env.Null();
    throw ErrnoError(env, "WEFT_ERR_BPF_MAP_LOOKUP", "lookup in " + MapName(fd), errno);
  }
  return value;
}

// mapLookupAndDelete(fd, key, valueLength) -> Buffer, or null when absent.
static Napi::Value MapLookupAndDelete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = IntArg(info, 0, "fd");
  auto key = BufferArg(info, 1, "key");
  int length = IntArg(info, 2, "valueLength");
  auto value = Napi::Buffer<uint8_t>::New(env, length);
  if (bpf_map_lookup_elem(fd, key.Data(), value.Data())) {
    if (errno == ENOENT) return env.Null();
    throw ErrnoError(env, "WEFT_ERR_BPF_MAP_LOOKUP", "lookup in " + MapName(fd), errno);
  }
  if (bpf_map_delete_elem(fd, key.Data()) && errno != ENOENT)
    throw ErrnoError(env, "WEFT_ERR_BPF_MAP_DELETE", "delete from " + MapName(fd), errno);
  return value;
}

// mapUpdate(fd, key, value, flags)
static Napi::Value MapUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = IntArg(info, 0, "fd");
  auto key = BufferArg(info, 1, "key");
  auto value = BufferArg(info, 2, "value");
  int flags = IntArg(info, 3, "flags");
  if (bpf_map_update_elem(fd, key.Data(), value.Data(), flags))
    throw ErrnoError(env, "WEFT_ERR_BPF_MAP_UPDATE", "update in " + MapName(fd), errno);
  return env.Undefined();
}

// mapDelete(fd, key) -> true if an entry was removed.
static Napi::Value MapDelete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = IntArg(info, 0, "fd");
  auto key = BufferArg(info, 1, "key");
  if (bpf_map_delete_elem(fd, key.Data())) {
    if (errno == ENOENT) return Napi::Boolean::New(env, false);
    throw ErrnoError(env, "WEFT_ERR_BPF_MAP_DELETE", "delete from " + MapName(fd), errno);
  }
  return Napi::Boolean::New(env, true);
}

// mapNextKey(fd, key | null, keyLength) -> Buffer, or null after the last.
static Napi::Value MapNextKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = IntArg(info, 0, "fd");
  int length = IntArg(info, 2, "keyLength");
  const void* current = nullptr;
  if (info.Length() > 1 && info[1].IsBuffer()) current = info[1].As<Napi::Buffer<uint8_t>>().Data();
  auto next = Napi::Buffer<uint8_t>::New(env, length);
  if (bpf_map_get_next_key(fd, current, next.Data())) {
    if (errno == ENOENT) return env.Null();
    throw ErrnoError(env, "WEFT_ERR_BPF_MAP_ITERATE", "iterate " + MapName(fd), errno);
  }
  return next;
}

static Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  close(IntArg(info, 0, "fd"));
  return info.Env().Undefined();
}

static Napi::Value PossibleCpus(const Napi::CallbackInfo& info) {
  int count = libbpf_num_possible_cpus();
  if (count < 0) throw ErrnoError(info.Env(), "WEFT_ERR_BPF_CPUS", "count possible CPUs", count);
  return Napi::Number::New(info.Env(), count);
}

void ExportMapFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("openPinnedMap", Napi::Function::New(env, OpenPinnedMap, "openPinnedMap"));
  exports.Set("mapInfo", Napi::Function::New(env, MapInfo, "mapInfo"));
  exports.Set("mapLookup", Napi::Function::New(env, MapLookup, "mapLookup"));
  exports.Set("mapLookupAndDelete", Napi::Function::New(env, MapLookupAndDelete, "mapLookupAndDelete"));
  exports.Set("mapUpdate", Napi::Function::New(env, MapUpdate, "mapUpdate"));
  exports.Set("mapDelete", Napi::Function::New(env, MapDelete, "mapDelete"));
  exports.Set("mapNextKey", Napi::Function::New(env, MapNextKey, "mapNextKey"));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd, "closeFd"));
  exports.Set("possibleCpus", Napi::Function::New(env, PossibleCpus, "possibleCpus"));
}

}  // namespace weft
