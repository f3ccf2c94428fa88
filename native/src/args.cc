#include "args.h"

namespace weft {

static Napi::Error ArgError(const Napi::CallbackInfo& info, const char* name, const char* kind) {
  Napi::Error error = Napi::TypeError::New(info.Env(), std::string("argument '") + name + "' must be " + kind);
  error.Set("code", Napi::String::New(info.Env(), "WEFT_ERR_NATIVE_ARGUMENT"));
  return error;
}

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsString()) throw ArgError(info, name, "a string");
  return info[index].As<Napi::String>().Utf8Value();
}

int IntArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsNumber()) throw ArgError(info, name, "a number");
  return info[index].As<Napi::Number>().Int32Value();
}

Napi::Buffer<uint8_t> BufferArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsBuffer()) throw ArgError(info, name, "a Buffer");
  return info[index].As<Napi::Buffer<uint8_t>>();
}

}  // namespace weft
