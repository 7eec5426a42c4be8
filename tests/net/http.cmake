itlfleet_test(net_http_tests LIBS itlfleet::net SOURCES
  http_target_test.cpp
  http_file_server_test.cpp
  http_client_test.cpp
)
