# TVS protocol over TLS: codec, TLS contexts, server, client.
target_sources(itlfleet_net PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/src/tvs_message.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/tvs_tls.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/tvs_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/tvs_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/tvs_load.cpp
)
