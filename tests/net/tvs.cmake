itlfleet_test(net_tvs_tests LIBS itlfleet::net itlfleet::host SOURCES
  tvs_message_test.cpp
  tvs_server_test.cpp
  tvs_load_test.cpp
)
