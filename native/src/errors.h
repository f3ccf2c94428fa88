#pragma once
#include <napi.h>
#include <string>

namespace weft {

// A JS Error carrying the positive errno, its symbolic name, a stable
// WEFT_ERR_* code and a message naming the object the call was about.
Napi::Error ErrnoError(Napi::Env env, const char* code, const std::string& what, int err);

// libbpf's last warning, so a failed load explains itself (verifier, BTF).
std::string LastLibbpfMessage();
void InstallLibbpfLogger();

}  // namespace weft
