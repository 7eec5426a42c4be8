# HTTP file service on TCP 6970 (Boost.Beast): server and client.
target_sources(itlfleet_net PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/src/http_target.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/http_file_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/http_file_session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/http_client.cpp
)
