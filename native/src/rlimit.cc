// The open-file limit (RLIMIT_NOFILE): the agent raises its own at start, as ztunnel does,
// since every proxied connection holds two descriptors. Node has no setrlimit.
#include <sys/resource.h>

#include <cerrno>

#include "args.h"
#include "errors.h"
#include "exports.h"

namespace weft {

// RLIM_INFINITY is reported as -1: a JS number cannot hold it exactly.
static Napi::Value LimitValue(Napi::Env env, rlim_t value) {
  return Napi::Number::New(env, value == RLIM_INFINITY ? -1.0 : static_cast<double>(value));
}

// openFileLimit() -> { soft, hard }
static Napi::Value OpenFileLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit)) throw ErrnoError(env, "WEFT_ERR_RLIMIT", "getrlimit(RLIMIT_NOFILE)", errno);
  Napi::Object result = Napi::Object::New(env);
  result.Set("soft", LimitValue(env, limit.rlim_cur));
  result.Set("hard", LimitValue(env, limit.rlim_max));
  return result;
}

// setOpenFileLimit(soft, hard): raising hard needs CAP_SYS_RESOURCE (EPERM otherwise).
static Napi::Value SetOpenFileLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct rlimit limit;
  limit.rlim_cur = static_cast<rlim_t>(IntArg(info, 0, "soft"));
  limit.rlim_max = static_cast<rlim_t>(IntArg(info, 1, "hard"));
  if (setrlimit(RLIMIT_NOFILE, &limit)) {
    throw ErrnoError(env, "WEFT_ERR_RLIMIT", "setrlimit(RLIMIT_NOFILE, " + std::to_string(limit.rlim_cur) + ", " +
                                                 std::to_string(limit.rlim_max) + ")", errno);
  }
  return env.Undefined();
}

void ExportRlimitFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("openFileLimit", Napi::Function::New(env, OpenFileLimit, "openFileLimit"));
  exports.Set("setOpenFileLimit", Napi::Function::New(env, SetOpenFileLimit, "setOpenFileLimit"));
}

}  // namespace weft
