# TFTP over UDP (RFC 1350, 2347-2349): packet codec, server, client, load driver.
target_sources(itlfleet_net PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/src/tftp_packet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/tftp_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/tftp_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/tftp_load.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/udp_mux.cpp
)
