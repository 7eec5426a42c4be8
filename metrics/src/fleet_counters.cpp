#include "itlfleet/metrics/fleet_counters.hpp"

#include <cassert>
#include <optional>
#include <utility>

namespace itlfleet::metrics {

std::uint64_t counts::total() const {
  std::uint64_t sum = 0;
  for (std::uint64_t n : by_state) sum += n;
  return sum;
}

fleet_counters::fleet_counters(std::size_t groups) : groups_(groups) {}

void fleet_counters::add(std::uint16_t group, const cell& c, std::uint64_t n) {
  assert(group < groups_);
  if (n == 0) return;
  const key k{group, static_cast<std::uint8_t>(c.state), c.ever_locked, c.itl, c.ctl};
  auto it = cells_.try_emplace(k, 0).first;
  it->second += static_cast<std::int64_t>(n);
  // A cell can only reach zero here if it was negative; erase it so take()
  // never walks empty cells.
  if (it->second == 0) cells_.erase(it);
}

void fleet_counters::move(std::uint16_t group, const cell& from, const cell& to) {
  assert(group < groups_);
  if (from == to) return;
  const auto bump = [&](const cell& c, std::int64_t delta) {
    const key k{group, static_cast<std::uint8_t>(c.state), c.ever_locked, c.itl, c.ctl};
    auto it = cells_.try_emplace(k, 0).first;
    it->second += delta;
    // Phones keep changing ITL, so cells come and go; dropping the empty ones
    // keeps a snapshot proportional to the cells in use, not to history.
    if (it->second == 0) cells_.erase(it);
  };
  bump(from, -1);
  bump(to, +1);
}

snapshot fleet_counters::take(
    std::int64_t time_us, const std::function<sim::file_id(std::uint16_t)>& served_itl,
    const std::function<bool(sim::file_id, sim::file_id)>& recoverable) const {
  snapshot s;
  s.time_us = time_us;
  s.groups.resize(groups_);
  s.events = events_;

  // Both callbacks may be costly (the served ITL depends on TFTP node state),
  // so each is asked at most once per group / distinct file per snapshot.
  // cells_ is ordered by group first, so one cached value per group suffices.
  std::optional<std::uint16_t> served_group;
  sim::file_id served = sim::no_file;
  std::map<std::pair<sim::file_id, sim::file_id>, bool> recovery;

  for (const auto& [k, n] : cells_) {
    // A negative cell means the engine reported a move out of a cell it never
    // added a phone to: a bookkeeping bug, not a fleet state.
    assert(n > 0);
    const auto count = static_cast<std::uint64_t>(n);
    const auto state = static_cast<sim::phone_state>(k.state);
    counts& g = s.groups[k.group];

    g.by_state[k.state] += count;
    if (k.ever_locked) g.ever_locked += count;
    if (state != sim::phone_state::offline) {
      if (served_group != k.group) {
        served_group = k.group;
        served = served_itl(k.group);
      }
      if (k.itl != served) g.stale += count;
    }
    if (sim::untrusted(state)) {
      bool can_recover = false;
      if (k.itl != sim::no_file) {
        const std::pair files{k.itl, k.ctl};
        auto it = recovery.find(files);
        if (it == recovery.end()) it = recovery.emplace(files, recoverable(k.itl, k.ctl)).first;
        can_recover = it->second;
      }
      if (!can_recover) g.unrecoverable += count;
    }
    if (state == sim::phone_state::trusted && k.ever_locked) g.recovered += count;
  }

  for (const counts& g : s.groups) {
    for (int i = 0; i < sim::phone_state_count; ++i) s.fleet.by_state[i] += g.by_state[i];
    s.fleet.stale += g.stale;
    s.fleet.unrecoverable += g.unrecoverable;
    s.fleet.recovered += g.recovered;
    s.fleet.ever_locked += g.ever_locked;
  }
  return s;
}

std::map<std::pair<std::uint16_t, sim::file_id>, std::uint64_t> fleet_counters::installed_by_group()
    const {
  std::map<std::pair<std::uint16_t, sim::file_id>, std::uint64_t> out;
  for (const auto& [k, n] : cells_) {
    if (k.state == static_cast<std::uint8_t>(sim::phone_state::offline) || k.itl == sim::no_file)
      continue;
    out[{k.group, k.itl}] += static_cast<std::uint64_t>(n);
  }
  return out;
}

}  // namespace itlfleet::metrics
