// A listening TCP socket that lives in another network namespace (a pod's),
// as ztunnel's in-pod mode opens them: an sk_lookup program may only hand a
// connection to a socket of the namespace the connection arrives in. The
// namespace switch happens on a short-lived thread of its own, so no thread
// of Node's ever leaves the agent's namespace; the descriptor works from any.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "args.h"
#include "errors.h"
#include "exports.h"

namespace weft {

struct ListenResult {
  int fd = -1;
  int err = 0;
  const char* step = "";
};

static ListenResult ListenIn(int netns_fd, in_addr_t ip, uint16_t port, int backlog) {
  ListenResult result;
  auto fail = [&result](const char* step) {
    result.err = errno;
    result.step = step;
    if (result.fd >= 0) close(result.fd);
    result.fd = -1;
    return result;
  };
  if (setns(netns_fd, CLONE_NEWNET)) return fail("setns");
  result.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (result.fd < 0) return fail("socket");
  int one = 1;
  if (setsockopt(result.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)) return fail("setsockopt(SO_REUSEADDR)");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = ip;
  if (bind(result.fd, reinterpret_cast<sockaddr*>(&address), sizeof address)) return fail("bind");
  if (listen(result.fd, backlog)) return fail("listen");
  return result;
}

// listenInNetns(netnsPath, ip, port, backlog) -> fd of a listening socket in that namespace
static Napi::Value ListenInNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string netns = StringArg(info, 0, "netnsPath");
  std::string ip = StringArg(info, 1, "ip");
  int port = IntArg(info, 2, "port");
  int backlog = IntArg(info, 3, "backlog");
  in_addr address{};
  if (inet_pton(AF_INET, ip.c_str(), &address) != 1) throw ErrnoError(env, "WEFT_ERR_NETNS_LISTEN", "listen address " + ip + " is not IPv4", EINVAL);
  if (port < 0 || port > 65535) throw ErrnoError(env, "WEFT_ERR_NETNS_LISTEN", "port " + std::to_string(port), EINVAL);

  int netns_fd = open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (netns_fd < 0) throw ErrnoError(env, "WEFT_ERR_NETNS_OPEN", "open network namespace " + netns, errno);
  ListenResult result;
  std::thread worker([&] { result = ListenIn(netns_fd, address.s_addr, static_cast<uint16_t>(port), backlog); });
  worker.join();
  close(netns_fd);
  if (result.fd < 0) {
    throw ErrnoError(env, "WEFT_ERR_NETNS_LISTEN", std::string(result.step) + " for " + ip + ":" + std::to_string(port) + " in " + netns, result.err);
  }
  return Napi::Number::New(env, result.fd);
}

void ExportNetnsFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("listenInNetns", Napi::Function::New(env, ListenInNetns));
}

}  // namespace weft
