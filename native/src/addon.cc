// Registers the binding; each concept lives in its own file.
#include <napi.h>

#include "bpf-object.h"
#include "errors.h"
#include "exports.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  weft::InstallLibbpfLogger();
  exports.Set("BpfObject", weft::BpfObject::Init(env));
  weft::ExportLinkFunctions(env, exports);
  weft::ExportMapFunctions(env, exports);
  weft::ExportProbeFunctions(env, exports);
  weft::ExportRlimitFunctions(env, exports);
  weft::ExportNetnsFunctions(env, exports);
  return exports;
}

NODE_API_MODULE(weft_native, Init)
