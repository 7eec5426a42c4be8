// TVS over TLS under load: itlfleet's tvs_server answering VERIFY requests,
// one TLS handshake and one query per connection as phones make them, beside
// the cost of the RSA private-key operation every handshake needs (what
// `openssl speed rsaNNNN` measures), timed in the same run.
//
//   itlfleet_tvs_bench [CONNECTIONS] [CLIENTS] [KEY_BITS]   (default 4000 32 1024)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "itlfleet/net/address_plan.hpp"
#include "itlfleet/net/tvs_load.hpp"
#include "itlfleet/net/tvs_server.hpp"
#include "itlfleet/net/tvs_tls.hpp"
#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/pki.hpp"

namespace {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

/// RSA PKCS#1 signatures per second with this key on one core: the server's
/// share of a TLS handshake with an RSA certificate.
double rsa_signs_per_second(const itlfleet::sim::rsa_key& key) {
  const itlfleet::bytes data(32, 0x42);
  const auto start = clock_type::now();
  int n = 0;
  while (clock_type::now() - start < std::chrono::seconds(2)) {
    (void)itlfleet::sim::rsa_sign(key, itlfleet::sim::digest_algorithm::sha256, data);
    ++n;
  }
  return n / std::chrono::duration<double>(clock_type::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t connections = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4000;
  const std::size_t clients = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 32;
  const int bits = argc > 3 ? std::atoi(argv[3]) : 1024;

  itlfleet::sim::pki_options pki;
  pki.key_bits = bits;
  itlfleet::sim::identity_factory factory(pki);
  const itlfleet::sim::identity tvs = factory.make(itlfleet::sim::cert_purpose::tvs, "tvs.bench");
  const itlfleet::sim::identity signer =
      factory.make(itlfleet::sim::cert_purpose::callmanager, "cm.bench");

  // The server on its own thread, answering from a one-certificate store.
  asio::io_context server_io(1);
  itlfleet::net::tvs_server_options options;
  options.max_sessions = clients * 2;
  options.max_handshakes = clients * 2;
  itlfleet::net::tvs_server server(
      server_io.get_executor(), {*itlfleet::net::node_address(0), 0}, tvs,
      [der = signer.cert.der()](const itlfleet::net::tvs_lookup_query& q) {
        itlfleet::net::tvs_verdict v;
        v.valid = q.certificate == der;
        v.roles = {0, 3};
        v.ttl = 86400;
        return v;
      },
      options);
  if (auto s = server.start(); !s) {
    std::fprintf(stderr, "cannot start TVS: %s\n", s.err().to_string().c_str());
    return 1;
  }
  std::thread server_thread([&] { server_io.run(); });

  asio::io_context client_io(1);
  auto ctx = itlfleet::net::make_tvs_client_context();
  itlfleet::net::tvs_client_request req;
  req.device_name = "CP-8861-SEP001E7A000001";
  req.certificate = signer.cert.der();
  req.trusted_server_sha1 = {tvs.cert.sha1()};
  itlfleet::net::tvs_load_options o;
  o.clients = clients;
  o.connections = connections;
  for (std::uint32_t i = 0; i < 1024; ++i) o.sources.emplace_back(*itlfleet::net::phone_address(i));
  auto fut = asio::co_spawn(client_io,
                            itlfleet::net::measure_tvs_load(server.local_endpoint(), ctx, req, o),
                            asio::use_future);
  client_io.run();
  const auto r = fut.get();
  server.stop();
  server_io.stop();
  server_thread.join();

  const double signs = rsa_signs_per_second(tvs.key);
  std::printf(
      "TVS, %d-bit RSA certificate, %zu connections, %zu in flight, client and server one "
      "thread each\n\n",
      bits, connections, clients);
  std::printf("| what | per second | ratio to RSA sign |\n|---|---|---|\n");
  std::printf("| RSA-%d sign (SHA-256), one core: `openssl speed rsa%d`'s measure | %.0f | 1 |\n",
              bits, bits, signs);
  std::printf("| TLS handshakes completed | %.0f | %.2f |\n", r.handshakes_per_second(),
              r.handshakes_per_second() / signs);
  std::printf("| VERIFY queries answered | %.0f | %.2f |\n", r.queries_per_second(),
              r.queries_per_second() / signs);
  std::printf("\nvalid %zu, invalid %zu, unreachable %zu, protocol errors %zu\n", r.valid,
              r.invalid, r.unreachable, r.protocol_errors);
  return r.valid == connections ? 0 : 1;
}
