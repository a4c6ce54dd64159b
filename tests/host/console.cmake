# Console (drivers/console): PSF fonts, the terminal model and the text
# renderer, against the real font the guest embeds (gunzipped here).
set(CONSOLE_DIR ${TESSERA_ROOT}/drivers/console)
set(CONSOLE_SRC ${CONSOLE_DIR}/psf.c ${CONSOLE_DIR}/term.c ${CONSOLE_DIR}/fbtext.c)
include(${TESSERA_ROOT}/cmake/font.cmake)
tessera_font(${CMAKE_CURRENT_BINARY_DIR}/console_font.psf)
add_custom_target(console_font_host ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/console_font.psf)
tessera_host_test(test_console test_console.c ${CONSOLE_SRC})
target_include_directories(test_console PRIVATE ${CONSOLE_DIR}/include)
target_compile_definitions(test_console PRIVATE
	CONSOLE_FONT="${CMAKE_CURRENT_BINARY_DIR}/console_font.psf")
add_dependencies(test_console console_font_host)
list(APPEND FUZZ_FLAGS -I${CONSOLE_DIR}/include)
tessera_fuzzer(fuzz_console "${CONSOLE_SRC}" ""
	${CONSOLE_DIR}/include/console/psf.h ${CONSOLE_DIR}/include/console/term.h)
