# The music representation tests (tokens, vocabulary, datasets); included from
# tests/music/CMakeLists.txt.
add_executable(cadenza_music_tests
    ${CMAKE_CURRENT_LIST_DIR}/test_tokenize.cpp
    ${CMAKE_CURRENT_LIST_DIR}/test_vocabulary.cpp
    ${CMAKE_CURRENT_LIST_DIR}/test_dataset.cpp)
target_link_libraries(cadenza_music_tests PRIVATE cadenza::music cadenza_catch_main)
if(TARGET cadenza_project_flags)
  target_link_libraries(cadenza_music_tests PRIVATE cadenza_project_flags)
endif()
target_compile_definitions(cadenza_music_tests PRIVATE CADENZA_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_test(NAME music COMMAND cadenza_music_tests)
