#include "errors.h"

#include <bpf/libbpf.h>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace weft {
namespace {

std::mutex log_mutex;
std::string last_message;

int OnLibbpfPrint(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[1024];
  int n = vsnprintf(line, sizeof(line), format, args);
  std::lock_guard<std::mutex> lock(log_mutex);
  if (level == LIBBPF_WARN) last_message = line;
  return n;
}

}  // namespace

void InstallLibbpfLogger() { libbpf_set_print(OnLibbpfPrint); }

std::string LastLibbpfMessage() {
  std::lock_guard<std::mutex> lock(log_mutex);
  std::string message = last_message;
  last_message.clear();  // a message explains one failure, not the next
  if (message.rfind("libbpf: ", 0) == 0) message.erase(0, 8);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

Napi::Error ErrnoError(Napi::Env env, const char* code, const std::string& what, int err) {
  if (err < 0) err = -err;
  const char* name = strerrorname_np(err);
  std::string message = what + ": " + strerror(err) + " (" + (name ? name : "E?") + ")";
  std::string detail = LastLibbpfMessage();
  if (!detail.empty()) message += "; libbpf: " + detail;
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  error.Set("errno", Napi::Number::New(env, err));
  if (name) error.Set("errnoName", Napi::String::New(env, name));
  return error;
}

}  // namespace weft
