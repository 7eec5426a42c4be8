#include "itlfleet/engine/stations.hpp"

#include <algorithm>

namespace itlfleet::engine {

std::int64_t tftp_station::start(std::size_t size, int lost_packets) {
  ++active_;
  peak_ = std::max(peak_, active_);
  return tftp_transfer_time(model_, active_, size, lost_packets);
}

tvs_station::tvs_station(const tvs_model& model, std::int64_t rtt_us)
    : model_(model), rtt_us_(rtt_us) {
  for (int i = 0; i < std::max(1, model.concurrency); ++i) free_at_.push(0);
}

std::int64_t tvs_station::admit(std::int64_t now) {
  const std::int64_t start = std::max(now, free_at_.top());
  const std::int64_t wait = start - now;
  if (wait > model_.timeout.count()) return -1;
  peak_wait_ = std::max(peak_wait_, wait);
  free_at_.pop();
  const std::int64_t done = start + model_.handshake.count() + model_.query.count();
  free_at_.push(done);
  return done + rtt_us_;
}

http_station::http_station(const http_model& model) : model_(model) {
  for (int i = 0; i < std::max(1, model.workers); ++i) free_at_.push(0);
}

std::int64_t http_station::admit(std::int64_t now) {
  const std::int64_t arrives = now + model_.rtt.count();
  while (!in_server_.empty() && in_server_.top() <= arrives) in_server_.pop();
  if (static_cast<int>(in_server_.size()) >= model_.max_serving_count) return -1;
  const std::int64_t start = std::max(arrives, free_at_.top());
  free_at_.pop();
  const std::int64_t done = start + model_.request_cost.count();
  free_at_.push(done);
  in_server_.push(done);
  peak_ = std::max(peak_, static_cast<int>(in_server_.size()));
  return done + model_.rtt.count();
}

}  // namespace itlfleet::engine
