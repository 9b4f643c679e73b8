# Compiler flags shared by every target.

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

add_compile_options(-Wall -Wextra -Wno-unused-parameter)

if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # Boost 1.74's Asio only enables co_await for clang when <experimental/coroutine> exists
  # (libc++); with libstdc++ the standard <coroutine> works, so say so explicitly.
  add_compile_definitions(BOOST_ASIO_HAS_CO_AWAIT=1 BOOST_ASIO_HAS_STD_COROUTINE=1)
endif()

if(AITBC_SANITIZE)
  string(REPLACE "," ";" _sanitizers "${AITBC_SANITIZE}")
  set(_flags -fsanitize=${AITBC_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND "undefined" IN_LIST _sanitizers)
    # clang 14 cannot emit -fsanitize=function checks inside coroutine frames
    # ("Cannot represent a difference across sections").
    list(APPEND _flags -fno-sanitize=function)
  endif()
  add_compile_options(${_flags})
  add_link_options(${_flags})
  add_compile_definitions(AITBC_SANITIZED=1)
endif()

# Links a library that must be instrumented for libFuzzer (clang only).
set(AITBC_FUZZER_FLAGS -fsanitize=fuzzer)
