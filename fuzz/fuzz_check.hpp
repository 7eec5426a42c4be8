#pragma once
/// Property checks inside fuzz targets. A failed check prints what was
/// expected and aborts, so libFuzzer reports a crash and keeps the input as
/// an artefact. Active in every build type (unlike assert).

#include <cstdio>
#include <cstdlib>

#define ITLFLEET_FUZZ_CHECK(cond, what)                                                     \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: property violated: %s (%s)\n", __FILE__, __LINE__, what, \
                   #cond);                                                                  \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)
