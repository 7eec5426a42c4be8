#include "itlfleet/net/tvs_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "itlfleet/net/worker_schedule.hpp"
#include "tvs_io.hpp"

namespace itlfleet::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using detail::use_tuple;

namespace {

/// One connection: its TLS stream (on its own strand) and the context the
/// stream was made from, kept alive as long as the stream.
struct session {
  session(tcp::socket socket, std::shared_ptr<ssl::context> ctx)
      : context(std::move(ctx)), stream(std::move(socket), *context) {}
  std::shared_ptr<ssl::context> context;
  ssl::stream<tcp::socket> stream;
};

std::string to_string(const tcp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

void raise_peak(std::atomic<std::uint64_t>& peak, std::uint64_t now) {
  auto seen = peak.load();
  while (now > seen && !peak.compare_exchange_weak(seen, now)) {
  }
}

/// Why a request cannot be answered; empty when it can.
std::string request_problem(const tvs_message& m, std::optional<std::uint32_t> session_id) {
  if (!is_request(m.command))
    return "command " + std::to_string(static_cast<int>(m.command)) + " is not a request";
  if (session_id && *session_id != m.session_id)
    return "session id changed from " + std::to_string(*session_id) + " to " +
           std::to_string(m.session_id);
  if (m.command == tvs_command::verify_request && (!m.certificate || m.certificate->empty()))
    return "VERIFY without certificate";
  if (m.command == tvs_command::query_request && (!m.serial || !m.issuer))
    return "QUERY_CERT without issuer and serial";
  return {};
}

}  // namespace

struct tvs_server::impl {
  impl(asio::any_io_executor ex, tcp::endpoint ep, tvs_lookup fn, tvs_server_options opts)
      : executor(std::move(ex)),
        configured(ep),
        lookup(std::move(fn)),
        options(std::move(opts)),
        workers(options.workers > 0 ? std::make_unique<worker_schedule>(options.workers)
                                    : nullptr) {}

  const asio::any_io_executor executor;
  const tcp::endpoint configured;
  const tvs_lookup lookup;
  const tvs_server_options options;
  /// The turns of a slower server (options.workers), or null.
  const std::unique_ptr<worker_schedule> workers;

  mutable std::mutex mutex;
  std::shared_ptr<ssl::context> context;                     // guarded by mutex
  tvs_tls_security security;                                 // guarded by mutex
  std::optional<error> credentials_error;                    // guarded by mutex
  std::shared_ptr<tcp::acceptor> acceptor;                   // guarded by mutex
  bool running = false;                                      // guarded by mutex
  tcp::endpoint bound;                                       // guarded by mutex
  std::uint64_t next_session = 0;                            // guarded by mutex
  std::map<std::uint64_t, std::weak_ptr<session>> sessions;  // guarded by mutex
  std::map<asio::ip::address, std::size_t> per_source;       // guarded by mutex

  std::atomic<std::uint64_t> connections{0}, rejected{0}, rejected_per_source{0}, handshakes_ok{0},
      handshakes_failed{0}, queries_valid{0}, queries_invalid{0}, malformed{0}, idle_timeouts{0},
      lifetime_ends{0}, handshaking{0}, active{0}, peak{0};

  /// Takes a place in the handshake pool and one of `source`'s places;
  /// false (counted as rejected) when either is full.
  bool admit(const asio::ip::address& source) {
    std::lock_guard lock(mutex);
    const bool source_full = per_source[source] >= options.max_per_source;
    if (source_full || handshaking >= options.max_handshakes) {
      if (per_source[source] == 0) per_source.erase(source);
      ++rejected;
      if (source_full) ++rejected_per_source;
      return false;
    }
    ++per_source[source];
    ++handshaking;
    return true;
  }

  void release_source(const asio::ip::address& source) {
    std::lock_guard lock(mutex);
    if (auto it = per_source.find(source); it != per_source.end() && --it->second == 0)
      per_source.erase(it);
  }

  result<tvs_tls_security> install(const sim::identity& id) {
    auto tls = make_tvs_server_tls(id);
    if (!tls) return tls.err();
    {
      std::lock_guard lock(mutex);
      context = tls->context;
      security = tls->security;
      credentials_error.reset();
    }
    if (tls->security.lowered && options.on_security_lowered)
      options.on_security_lowered(tls->security);
    return tls->security;
  }

  /// Holds `self` so the state outlives the tvs_server object if need be.
  static asio::awaitable<void> accept_loop(std::shared_ptr<impl> self,
                                           std::shared_ptr<tcp::acceptor> acc) {
    impl& i = *self;
    for (;;) {
      auto [ec, socket] = co_await acc->async_accept(
          asio::any_io_executor(asio::make_strand(i.executor)), use_tuple);
      {
        std::lock_guard lock(i.mutex);
        if (i.acceptor != acc) co_return;  // stopped (or restarted with a new acceptor)
      }
      if (ec) {
        // Out of descriptors and the like: pause instead of spinning.
        asio::steady_timer pause(acc->get_executor(), std::chrono::milliseconds(20));
        co_await pause.async_wait(use_tuple);
        continue;
      }
      ++i.connections;
      boost::system::error_code peer_error;
      const auto source = socket.remote_endpoint(peer_error).address();
      if (peer_error || !i.admit(source)) {
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      auto ex = socket.get_executor();
      asio::co_spawn(ex, serve(self, std::move(socket), source), asio::detached);
    }
  }

  /// Which pool a connection holds a place in.
  enum class stage { handshake, session, none };

  /// Registers the connection so stop() can close it, runs it, unregisters,
  /// and gives back its places.
  static asio::awaitable<void> serve(std::shared_ptr<impl> self, tcp::socket socket,
                                     asio::ip::address source) {
    stage held = stage::handshake;
    std::shared_ptr<session> s;
    std::uint64_t id = 0;
    {
      std::lock_guard lock(self->mutex);
      if (self->running) {
        s = std::make_shared<session>(std::move(socket), self->context);
        id = self->next_session++;
        self->sessions[id] = s;
      }
    }
    if (s) {
      try {
        co_await self->run(*s, source, held);
      } catch (...) {
        // A connection's failure never reaches the event loop.
      }
      boost::system::error_code ignored;
      s->stream.lowest_layer().close(ignored);
      std::lock_guard lock(self->mutex);
      self->sessions.erase(id);
    }
    if (held == stage::handshake) --self->handshaking;
    if (held == stage::session) --self->active;
    self->release_source(source);
  }

  /// Serves one connection; moves `held` from the handshake pool to the
  /// session pool (or to none) as it goes.
  asio::awaitable<void> run(session& s, const asio::ip::address& peer, stage& held) {
    asio::steady_timer cost_timer(s.stream.get_executor());
    if (workers) {
      // A slower server: the connection's turn, then the handshake's cost.
      const auto turn =
          workers->reserve(detail::clock::now(), options.handshake_cost + options.query_cost,
                           options.handshake_timeout);
      if (!turn) {
        ++rejected;
        co_return;
      }
      cost_timer.expires_at(turn->start + options.handshake_cost);
      co_await cost_timer.async_wait(use_tuple);
    }
    auto hs = co_await detail::with_timeout(
        s.stream.async_handshake(ssl::stream_base::server, use_tuple), options.handshake_timeout);
    --handshaking;
    held = stage::none;
    if (!hs || std::get<0>(*hs)) {
      ++handshakes_failed;
      co_return;
    }
    ++handshakes_ok;
    const auto now = ++active;
    held = stage::session;
    if (now > options.max_sessions) {
      ++rejected;
      co_return;
    }
    raise_peak(peak, now);

    const auto end_of_life = detail::clock::now() + options.max_session_lifetime;
    std::optional<std::uint32_t> session_id;
    for (;;) {
      const auto left = end_of_life - detail::clock::now();
      if (left <= detail::clock::duration::zero()) {
        ++lifetime_ends;
        co_return;
      }
      auto in = co_await detail::read_tvs_message(
          s.stream, options.max_message,
          std::min<detail::clock::duration>(options.idle_timeout, left));
      if (in.outcome == detail::read_outcome::timeout) {
        ++(detail::clock::now() >= end_of_life ? lifetime_ends : idle_timeouts);
        co_return;
      }
      if (in.outcome == detail::read_outcome::closed) co_return;
      if (in.outcome == detail::read_outcome::malformed ||
          !request_problem(in.message, session_id).empty()) {
        ++malformed;
        co_return;
      }
      const tvs_message& m = in.message;
      session_id = m.session_id;
      if (workers) {
        cost_timer.expires_after(options.query_cost);
        co_await cost_timer.async_wait(use_tuple);
      }

      tvs_lookup_query q;
      q.command = m.command;
      q.device_name = m.device_name.value_or("");
      q.certificate = m.certificate.value_or(bytes{});
      q.subject = m.subject.value_or("");
      q.issuer = m.issuer.value_or("");
      q.serial = m.serial.value_or(bytes{});
      q.peer = peer;
      tvs_verdict v;
      try {
        v = lookup(q);
      } catch (...) {
        v = tvs_verdict{};  // a lookup that throws answers invalid
      }

      tvs_message answer;
      answer.command = response_to(m.command);
      answer.session_id = m.session_id;
      answer.status = v.valid ? tvs_status::valid : tvs_status::invalid;
      if (v.valid) {
        answer.roles = v.roles;
        answer.ttl = v.ttl;
        if (m.command == tvs_command::query_request && !v.certificate.empty())
          answer.certificate = v.certificate;
      }
      auto wire = encode_tvs_message(answer, options.max_message);
      if (!wire) co_return;
      ++(v.valid ? queries_valid : queries_invalid);
      if (!co_await detail::write_all(s.stream, *wire, options.idle_timeout)) co_return;
    }
  }
};

tvs_server::tvs_server(asio::any_io_executor executor, tcp::endpoint endpoint,
                       const sim::identity& credentials, tvs_lookup lookup,
                       tvs_server_options options)
    : impl_(std::make_shared<impl>(std::move(executor), endpoint, std::move(lookup),
                                   std::move(options))) {
  if (auto st = impl_->install(credentials); !st) impl_->credentials_error = st.err();
}

tvs_server::~tvs_server() {
  stop();
}

status tvs_server::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->credentials_error) return *impl_->credentials_error;
  if (impl_->running) return error{"TVS server already started on " + to_string(impl_->bound)};
  const tcp::endpoint ep = impl_->bound.port() != 0 ? impl_->bound : impl_->configured;
  auto acc =
      std::make_shared<tcp::acceptor>(asio::any_io_executor(asio::make_strand(impl_->executor)));
  boost::system::error_code ec;
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return error{"TVS server cannot listen on " + to_string(ep) + ": " + ec.message()};
  impl_->bound = acc->local_endpoint(ec);
  impl_->acceptor = acc;
  impl_->running = true;
  asio::co_spawn(acc->get_executor(), impl::accept_loop(impl_, acc), asio::detached);
  return ok();
}

void tvs_server::stop() {
  std::shared_ptr<tcp::acceptor> acc;
  std::vector<std::shared_ptr<session>> open;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->running = false;
    acc = std::move(impl_->acceptor);
    for (auto& [id, weak] : impl_->sessions)
      if (auto s = weak.lock()) open.push_back(std::move(s));
  }
  if (acc) {
    // Stop listening now, from this thread, so the port is free for a restart
    // at once (shutdown(2) touches only the kernel socket, not Asio's state);
    // the acceptor itself is closed on its strand.
    ::shutdown(acc->native_handle(), SHUT_RDWR);
    asio::post(acc->get_executor(), [acc] {
      boost::system::error_code ignored;
      acc->close(ignored);
    });
  }
  for (auto& s : open) {
    asio::post(s->stream.get_executor(), [s] {
      boost::system::error_code ignored;
      s->stream.lowest_layer().close(ignored);
    });
  }
}

result<tvs_tls_security> tvs_server::set_credentials(const sim::identity& credentials) {
  return impl_->install(credentials);
}

tvs_tls_security tvs_server::security() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->security;
}

tcp::endpoint tvs_server::local_endpoint() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->running ? impl_->bound : tcp::endpoint{};
}

tvs_server_stats tvs_server::stats() const {
  const impl& i = *impl_;
  tvs_server_stats s;
  s.connections = i.connections;
  s.rejected = i.rejected;
  s.rejected_per_source = i.rejected_per_source;
  s.handshakes_ok = i.handshakes_ok;
  s.handshakes_failed = i.handshakes_failed;
  s.queries_valid = i.queries_valid;
  s.queries_invalid = i.queries_invalid;
  s.malformed = i.malformed;
  s.idle_timeouts = i.idle_timeouts;
  s.lifetime_ends = i.lifetime_ends;
  s.active_handshakes = i.handshaking;
  s.active_sessions = i.active;
  s.peak_sessions = i.peak;
  return s;
}

}  // namespace itlfleet::net
