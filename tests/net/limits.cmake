# Limits the servers share: the descriptor budget, and a flood of one service
# under a low open-file limit (in a forked child).
itlfleet_test(net_limits_tests LIBS itlfleet::net SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/descriptor_budget_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/server_flood_test.cpp
)
