itlfleet_test(net_tftp_tests LIBS itlfleet::net SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/tftp_packet_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tftp_server_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tftp_client_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tftp_load_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/udp_mux_test.cpp
)
