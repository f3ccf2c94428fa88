#pragma once
#include <napi.h>
#include <string>

namespace weft {

// Argument conversion with a TypeError naming the argument.
std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* name);
int IntArg(const Napi::CallbackInfo& info, size_t index, const char* name);
Napi::Buffer<uint8_t> BufferArg(const Napi::CallbackInfo& info, size_t index, const char* name);

}  // namespace weft
