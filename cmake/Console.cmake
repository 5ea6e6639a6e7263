# The web console (console/): esbuild bundles our pages, MapLibre GL is copied from the pinned
# npm packages (console/package-lock.json) and the map's glyphs are made from DejaVu Sans
# (console/glyphs.mjs), into ${PROJECT_BINARY_DIR}/console beside the binary, where
# `wangge serve` finds it; `make install` puts it in share/wangge/console.
# scripts/demo and scripts/test run `npm ci` in console/ first (scripts/lib/common.sh).
option(WANGGE_BUILD_CONSOLE "Build the web console (needs Node.js and console/node_modules)" ON)
if(NOT WANGGE_BUILD_CONSOLE)
  return()
endif()
find_program(WANGGE_NODE node)
set(_console_src ${PROJECT_SOURCE_DIR}/console)
if(NOT WANGGE_NODE OR NOT EXISTS ${_console_src}/node_modules/esbuild/package.json)
  message(WARNING "the web console is not built: it needs Node.js and its pinned packages "
                  "(cd console && npm ci; scripts/demo and scripts/test do this)")
  return()
endif()
file(GLOB_RECURSE _console_sources CONFIGURE_DEPENDS ${_console_src}/src/*)
set(_console_out ${PROJECT_BINARY_DIR}/console)
add_custom_command(
  OUTPUT ${_console_out}/index.html
  COMMAND ${WANGGE_NODE} ${_console_src}/build.mjs ${_console_out}
  DEPENDS ${_console_sources} ${_console_src}/build.mjs ${_console_src}/glyphs.mjs ${_console_src}/package-lock.json
  WORKING_DIRECTORY ${_console_src}
  COMMENT "Building the web console (esbuild)"
  VERBATIM)
add_custom_target(console ALL DEPENDS ${_console_out}/index.html)
install(DIRECTORY ${_console_out}/ DESTINATION share/wangge/console)
