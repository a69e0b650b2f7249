# Build options and the interface targets every cruddur target links: warnings and sanitizers.
option(CRUDDUR_BUILD_TESTS "Build the test suites" OFF)
option(CRUDDUR_BUILD_BENCH "Build the benchmarks under bench/" ON)
option(CRUDDUR_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)
option(CRUDDUR_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(CRUDDUR_FUZZ "Build only the libFuzzer targets under tests/fuzz (clang; see the fuzz preset)" OFF)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

find_program(CRUDDUR_CCACHE ccache)
if(CRUDDUR_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CRUDDUR_CCACHE}")
endif()

add_library(cruddur_warnings INTERFACE)
add_library(cruddur::warnings ALIAS cruddur_warnings)
target_compile_options(cruddur_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
                       -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference
                       -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(CRUDDUR_WARNINGS_AS_ERRORS)
  target_compile_options(cruddur_warnings INTERFACE -Werror)
endif()

add_library(cruddur_sanitizers INTERFACE)
add_library(cruddur::sanitizers ALIAS cruddur_sanitizers)
if(CRUDDUR_SANITIZE)
  target_compile_options(cruddur_sanitizers INTERFACE -fsanitize=address,undefined
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(cruddur_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# libFuzzer: every library gets coverage instrumentation; the fuzz executables link the fuzzer
# runtime themselves (-fsanitize=fuzzer). clang 14 cannot emit -fsanitize=function's prologue data
# for coroutine frames ("Cannot represent a difference across sections"), so that one UBSan check
# is off; Boost 1.74 only detects co_await support on g++, so clang is told about it.
if(CRUDDUR_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CRUDDUR_FUZZ needs clang++ (use the fuzz preset)")
  endif()
  if(NOT CRUDDUR_SANITIZE)
    message(FATAL_ERROR "CRUDDUR_FUZZ needs CRUDDUR_SANITIZE=ON (use the fuzz preset)")
  endif()
  target_compile_options(cruddur_sanitizers INTERFACE -fsanitize=fuzzer-no-link
                         -fno-sanitize=function)
  # BOOST_ASSERT goes through tests/fuzz/boost_assert_handler.cpp (one known-false Beast assert).
  target_compile_definitions(cruddur_sanitizers INTERFACE BOOST_ASIO_HAS_CO_AWAIT=1
                             BOOST_ENABLE_ASSERT_HANDLER)
endif()

# cruddur_add_layer(<layer> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Declares the library cruddur_<layer> (alias cruddur::<layer>) with the shared include root.
function(cruddur_add_layer layer)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(cruddur_${layer} STATIC ${ARG_SOURCES})
  add_library(cruddur::${layer} ALIAS cruddur_${layer})
  target_include_directories(cruddur_${layer} PUBLIC "${PROJECT_SOURCE_DIR}/include"
                             PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}")
  target_link_libraries(cruddur_${layer} PUBLIC ${ARG_PUBLIC_DEPS} cruddur::sanitizers
                        PRIVATE ${ARG_PRIVATE_DEPS} cruddur::warnings)
endfunction()
