# wangge_module(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# One static library per module of DESIGN.md. Our warnings and sanitizer flags are
# applied per target, never globally, so third-party code is compiled as its authors intended.
function(wangge_apply_flags target)
  if(WANGGE_FUZZ)
    # Coverage for libFuzzer (the fuzz targets themselves link -fsanitize=fuzzer), and every
    # finding fatal so that libFuzzer records it.
    target_compile_options(${target} PUBLIC -fsanitize=fuzzer-no-link,address,undefined
                           -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  elseif(ENABLE_SANITIZERS)
    target_compile_options(${target} PUBLIC -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
  # -Wfloat-conversion: an implicit double → integer (or → float) conversion is a compile
  # error under WANGGE_WERROR; explicit ones are scripts/check-casts' (only number.hpp may).
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wfloat-conversion)
  # Warnings are errors only where our own scripts and CI ask for it (WANGGE_WERROR=ON): another
  # compiler, or a standard build type such as Release (-O3), must never break a user's build.
  if(WANGGE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # GCC 12 at -O2/-O3 reports libstdc++'s own inlined string code as overflowing or overlapping
  # ("literal" + std::to_string(n) and the like; GCC bugs 105329, 105651, 106199), fixed in
  # GCC 13. Those three diagnostics are switched off for GCC 12 only.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
     AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-stringop-overflow -Wno-restrict -Wno-array-bounds)
  endif()
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()

function(wangge_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(wangge_${name} STATIC ${ARG_SOURCES})
  add_library(wangge::${name} ALIAS wangge_${name})
  target_include_directories(wangge_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(wangge_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  wangge_apply_flags(wangge_${name})
endfunction()
