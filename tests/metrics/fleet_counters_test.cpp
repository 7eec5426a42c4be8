#include "itlfleet/metrics/fleet_counters.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace itlfleet::metrics {
namespace {

using sim::phone_state;

cell at(phone_state s, sim::file_id itl = 1, bool ever_locked = false) {
  return cell{s, ever_locked, itl};
}

// Every group is served ITL 1; files 1 and 2 carry an ITLRecovery record.
sim::file_id serves_one(std::uint16_t) {
  return 1;
}
bool one_or_two(sim::file_id f, sim::file_id /*ctl*/) {
  return f == 1 || f == 2;
}

std::uint64_t sum_states(const counts& c) {
  std::uint64_t n = 0;
  for (std::uint64_t v : c.by_state) n += v;
  return n;
}

TEST(FleetCounters, empty_fleet_counts_nothing) {
  fleet_counters fc(2);
  const snapshot s = fc.take(5, serves_one, one_or_two);
  EXPECT_EQ(s.time_us, 5);
  EXPECT_EQ(s.fleet.total(), 0u);
  ASSERT_EQ(s.groups.size(), 2u);
  EXPECT_EQ(s.groups[0].total(), 0u);
  EXPECT_EQ(s.groups[1].total(), 0u);
}

TEST(FleetCounters, add_counts_by_group_and_state) {
  fleet_counters fc(2);
  fc.add(0, at(phone_state::offline, sim::no_file), 10);
  fc.add(1, at(phone_state::trusted), 3);
  fc.add(1, at(phone_state::trusted));
  const snapshot s = fc.take(0, serves_one, one_or_two);
  EXPECT_EQ(s.fleet.total(), 14u);
  EXPECT_EQ(s.fleet.state(phone_state::offline), 10u);
  EXPECT_EQ(s.fleet.state(phone_state::trusted), 4u);
  EXPECT_EQ(s.groups[0].state(phone_state::offline), 10u);
  EXPECT_EQ(s.groups[1].state(phone_state::trusted), 4u);
  EXPECT_EQ(s.groups[0].state(phone_state::trusted), 0u);
}

TEST(FleetCounters, move_shifts_one_phone_between_cells) {
  fleet_counters fc(1);
  fc.add(0, at(phone_state::booting), 5);
  fc.move(0, at(phone_state::booting), at(phone_state::locked));
  const snapshot s = fc.take(0, serves_one, one_or_two);
  EXPECT_EQ(s.fleet.state(phone_state::booting), 4u);
  EXPECT_EQ(s.fleet.state(phone_state::locked), 1u);
  EXPECT_EQ(s.fleet.total(), 5u);
}

TEST(FleetCounters, move_to_the_same_cell_is_a_no_op) {
  fleet_counters fc(1);
  fc.add(0, at(phone_state::trusted), 2);
  const snapshot before = fc.take(0, serves_one, one_or_two);
  fc.move(0, at(phone_state::trusted), at(phone_state::trusted));
  const snapshot after = fc.take(0, serves_one, one_or_two);
  EXPECT_EQ(after.fleet.by_state, before.fleet.by_state);
  EXPECT_EQ(after.fleet.state(phone_state::trusted), 2u);
}

TEST(FleetCounters, emptied_cells_disappear_and_callbacks_are_not_asked_about_them) {
  fleet_counters fc(1);
  fc.add(0, at(phone_state::locked, 7));
  fc.move(0, at(phone_state::locked, 7), at(phone_state::trusted, 1, true));
  int recovery_calls = 0;
  const snapshot s = fc.take(0, serves_one, [&](sim::file_id, sim::file_id) {
    ++recovery_calls;
    return false;
  });
  EXPECT_EQ(recovery_calls, 0);  // no locked phone left, so no question about file 7
  EXPECT_EQ(s.fleet.state(phone_state::locked), 0u);
  EXPECT_EQ(s.fleet.total(), 1u);
}

TEST(FleetCounters, stale_means_booted_with_an_itl_other_than_the_served_one) {
  fleet_counters fc(2);
  fc.add(0, at(phone_state::trusted, 1));            // current
  fc.add(0, at(phone_state::trusted, 2), 2);         // stale
  fc.add(0, at(phone_state::no_itl, sim::no_file));  // stale: holds nothing
  fc.add(0, at(phone_state::offline, 2), 4);         // offline: never stale
  fc.add(1, at(phone_state::locked, 1), 3);          // group 1 serves 2: stale
  fc.add(1, at(phone_state::booting, 2));            // current for group 1
  const auto served = [](std::uint16_t g) -> sim::file_id { return g == 0 ? 1 : 2; };
  const snapshot s = fc.take(0, served, one_or_two);
  EXPECT_EQ(s.groups[0].stale, 3u);
  EXPECT_EQ(s.groups[1].stale, 3u);
  EXPECT_EQ(s.fleet.stale, 6u);
}

TEST(FleetCounters, no_itl_phone_is_current_when_nothing_is_served) {
  fleet_counters fc(1);
  fc.add(0, at(phone_state::no_itl, sim::no_file), 3);
  const snapshot s = fc.take(
      0, [](std::uint16_t) { return sim::no_file; }, one_or_two);
  EXPECT_EQ(s.fleet.stale, 0u);
}

TEST(FleetCounters, unrecoverable_means_locked_on_an_itl_without_recovery_record) {
  fleet_counters fc(1);
  fc.add(0, at(phone_state::locked, 1, true), 2);             // has recovery
  fc.add(0, at(phone_state::locked, 3, true), 5);             // no recovery record
  fc.add(0, at(phone_state::locked, sim::no_file, true), 1);  // nothing installed
  fc.add(0, at(phone_state::trusted, 3), 7);                  // not locked
  const snapshot s = fc.take(0, serves_one, one_or_two);
  EXPECT_EQ(s.fleet.unrecoverable, 6u);
  EXPECT_EQ(s.fleet.state(phone_state::locked), 8u);
}

TEST(FleetCounters, recovered_means_trusted_after_having_been_locked) {
  fleet_counters fc(1);
  fc.add(0, at(phone_state::trusted, 1, true), 4);   // recovered
  fc.add(0, at(phone_state::trusted, 1, false), 9);  // never locked
  fc.add(0, at(phone_state::locked, 1, true), 2);    // locked again
  fc.add(0, at(phone_state::booting, 1, true), 1);   // on its way
  const snapshot s = fc.take(0, serves_one, one_or_two);
  EXPECT_EQ(s.fleet.recovered, 4u);
  EXPECT_EQ(s.fleet.ever_locked, 7u);
}

TEST(FleetCounters, callbacks_are_asked_once_per_group_and_once_per_file) {
  fleet_counters fc(3);
  for (std::uint16_t g = 0; g < 3; ++g) {
    for (sim::file_id f = 1; f <= 4; ++f) {
      fc.add(g, at(phone_state::locked, f));
      fc.add(g, at(phone_state::locked, f, true));
      fc.add(g, at(phone_state::trusted, f));
    }
  }
  std::map<std::uint16_t, int> served_calls;
  std::map<sim::file_id, int> recovery_calls;
  const snapshot s = fc.take(
      0,
      [&](std::uint16_t g) {
        ++served_calls[g];
        return sim::file_id{1};
      },
      [&](sim::file_id f, sim::file_id) {
        ++recovery_calls[f];
        return f % 2 == 0;
      });
  EXPECT_EQ(served_calls, (std::map<std::uint16_t, int>{{0, 1}, {1, 1}, {2, 1}}));
  EXPECT_EQ(recovery_calls, (std::map<sim::file_id, int>{{1, 1}, {2, 1}, {3, 1}, {4, 1}}));
  EXPECT_EQ(s.fleet.unrecoverable, 12u);  // files 1 and 3, two locked cells each, three groups
}

TEST(FleetCounters, a_locked_phones_ctl_takes_part_in_whether_it_can_be_recovered) {
  // Same ITL 1 (recoverable alone); the phones holding CTL 9 are asked about
  // separately, and here their CTL refuses the reset ITL.
  fleet_counters fc(1);
  cell plain = at(phone_state::locked, 1);
  cell with_ctl = plain;
  with_ctl.ctl = 9;
  fc.add(0, plain, 3);
  fc.add(0, with_ctl, 5);
  std::map<std::pair<sim::file_id, sim::file_id>, int> asked;
  const snapshot s = fc.take(0, serves_one, [&](sim::file_id itl, sim::file_id ctl) {
    ++asked[{itl, ctl}];
    return ctl == sim::no_file;
  });
  EXPECT_EQ(s.fleet.unrecoverable, 5u);
  EXPECT_EQ(asked, (std::map<std::pair<sim::file_id, sim::file_id>, int>{{{1, sim::no_file}, 1},
                                                                         {{1, 9}, 1}}));
}

TEST(FleetCounters, snapshot_copies_the_event_totals) {
  fleet_counters fc(1);
  fc.events().tftp_refusals = 3;
  fc.events().bytes_served += 1000;
  const snapshot s = fc.take(0, serves_one, one_or_two);
  fc.events().tftp_refusals = 99;
  EXPECT_EQ(s.events.tftp_refusals, 3u);
  EXPECT_EQ(s.events.bytes_served, 1000u);
}

// Property: whatever the engine reports, as long as every move starts from a
// cell that holds the phone, no phone is lost or duplicated, every group's
// counts match a brute-force recount, and the fleet is the sum of its groups.
TEST(FleetCounters, counts_add_up_after_any_sequence_of_moves) {
  const std::uint32_t seed = 20240611;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  constexpr std::uint16_t groups = 4;
  constexpr std::size_t phones = 300;
  constexpr sim::file_id files = 5;  // 0 (none) .. 4

  const auto random_cell = [&] {
    cell c;
    c.state = static_cast<phone_state>(rng() % sim::phone_state_count);
    c.ever_locked = rng() % 2 == 0;
    c.itl = static_cast<sim::file_id>(rng() % files);
    c.ctl = static_cast<sim::file_id>(rng() % 3);  // none, or one of two CTLs
    return c;
  };
  const auto served = [](std::uint16_t g) -> sim::file_id { return g % files; };
  // CTL 2 refuses the reset ITL whatever the ITL holds.
  const auto recovery = [](sim::file_id itl, sim::file_id ctl) { return itl % 2 == 1 && ctl != 2; };

  fleet_counters fc(groups);
  std::vector<std::uint16_t> group_of(phones);
  std::vector<cell> where(phones);
  for (std::size_t p = 0; p < phones; ++p) {
    group_of[p] = static_cast<std::uint16_t>(rng() % groups);
    where[p] = cell{};  // offline, never locked, no ITL
    fc.add(group_of[p], where[p]);
  }

  for (int step = 0; step < 20000; ++step) {
    const std::size_t p = rng() % phones;
    // Some moves are deliberately no-ops.
    const cell to = rng() % 10 == 0 ? where[p] : random_cell();
    fc.move(group_of[p], where[p], to);
    where[p] = to;

    if (step % 997 != 0) continue;
    const snapshot s = fc.take(step, served, recovery);
    ASSERT_EQ(s.fleet.total(), phones) << "step " << step;

    std::vector<counts> expect(groups);
    for (std::size_t q = 0; q < phones; ++q) {
      counts& g = expect[group_of[q]];
      const cell& c = where[q];
      ++g.by_state[static_cast<int>(c.state)];
      if (c.ever_locked) ++g.ever_locked;
      if (c.state != phone_state::offline && c.itl != served(group_of[q])) ++g.stale;
      if (sim::untrusted(c.state) && (c.itl == sim::no_file || !recovery(c.itl, c.ctl)))
        ++g.unrecoverable;
      if (c.state == phone_state::trusted && c.ever_locked) ++g.recovered;
    }
    counts sum;
    for (std::uint16_t g = 0; g < groups; ++g) {
      EXPECT_EQ(s.groups[g].by_state, expect[g].by_state) << "group " << g << " step " << step;
      EXPECT_EQ(s.groups[g].stale, expect[g].stale) << "group " << g << " step " << step;
      EXPECT_EQ(s.groups[g].unrecoverable, expect[g].unrecoverable);
      EXPECT_EQ(s.groups[g].recovered, expect[g].recovered);
      EXPECT_EQ(s.groups[g].ever_locked, expect[g].ever_locked);
      for (int i = 0; i < sim::phone_state_count; ++i) sum.by_state[i] += s.groups[g].by_state[i];
      sum.stale += s.groups[g].stale;
      sum.unrecoverable += s.groups[g].unrecoverable;
      sum.recovered += s.groups[g].recovered;
      sum.ever_locked += s.groups[g].ever_locked;
    }
    EXPECT_EQ(s.fleet.by_state, sum.by_state);
    EXPECT_EQ(sum_states(s.fleet), phones);
    EXPECT_EQ(s.fleet.stale, sum.stale);
    EXPECT_EQ(s.fleet.unrecoverable, sum.unrecoverable);
    EXPECT_EQ(s.fleet.recovered, sum.recovered);
    EXPECT_EQ(s.fleet.ever_locked, sum.ever_locked);
  }
}

}  // namespace
}  // namespace itlfleet::metrics
