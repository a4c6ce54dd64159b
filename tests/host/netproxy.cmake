# netproxy's pure layers (netproxy/frame.c, netproxy/hs.c; docs/netproxy.md):
# unit tests with sanitizers and a fuzzer over the frame reader and both
# sides of the handshake.  HMAC-SHA256 comes from the mbedTLS sources that
# ci/deps unpacks into third_party/ (built unchanged, with our config).
set(NP_DIR ${TESSERA_ROOT}/netproxy)
set(NP_MBEDTLS ${TESSERA_ROOT}/third_party/mbedtls)
if(NOT EXISTS ${NP_MBEDTLS}/library/md.c)
	message(WARNING "netproxy host tests skipped: run ci/deps (mbedTLS sources)")
	return()
endif()
set(NP_MBEDTLS_SRC ${NP_MBEDTLS}/library/md.c ${NP_MBEDTLS}/library/sha256.c
	${NP_MBEDTLS}/library/platform_util.c)
set(NP_SRC ${NP_DIR}/frame.c ${NP_DIR}/hs.c ${WIRE_SRC})

add_library(np_mbedtls_host STATIC ${NP_MBEDTLS_SRC})
target_compile_options(np_mbedtls_host PRIVATE -w -g -O1 ${HOST_SAN})
target_compile_definitions(np_mbedtls_host PUBLIC MBEDTLS_CONFIG_FILE="np_mbedtls_config.h")
target_include_directories(np_mbedtls_host PUBLIC ${NP_DIR}/port ${NP_MBEDTLS}/include)

tessera_host_test(test_netproxy test_netproxy.c ${NP_SRC})
target_include_directories(test_netproxy PRIVATE ${NP_DIR})
target_link_libraries(test_netproxy PRIVATE np_mbedtls_host)

# The fuzzer builds mbedTLS with the same clang line (its code passes our
# warnings), our config header first.
list(APPEND FUZZ_FLAGS -I${NP_DIR} -I${NP_DIR}/port -I${NP_MBEDTLS}/include
	-DMBEDTLS_CONFIG_FILE="np_mbedtls_config.h")
tessera_fuzzer(fuzz_netproxy "${NP_SRC};${NP_MBEDTLS_SRC}" ""
	${NP_DIR}/frame.h ${NP_DIR}/hs.h)
