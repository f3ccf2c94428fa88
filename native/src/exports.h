#pragma once
#include <napi.h>

namespace weft {

void ExportLinkFunctions(Napi::Env env, Napi::Object exports);
void ExportMapFunctions(Napi::Env env, Napi::Object exports);
void ExportProbeFunctions(Napi::Env env, Napi::Object exports);
void ExportRlimitFunctions(Napi::Env env, Napi::Object exports);
void ExportNetnsFunctions(Napi::Env env, Napi::Object exports);

}  // namespace weft
