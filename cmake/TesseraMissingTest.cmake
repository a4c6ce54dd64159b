# tessera_missing_test(<name> <reason> [LABELS <label>...])
#
# Registers test <name> in place of one that cannot be built or run here
# (a tool missing, a path too long), so that it never vanishes silently: it
# prints "<name> cannot run: <reason>" and fails.  A developer who skips on
# purpose sets TESSERA_ALLOW_SKIP=1 in the environment of ctest (ci/test
# --allow-skip): the test then exits 77 and ctest counts it as skipped,
# which ci/test still lists.  The name stays the same as the real test's, so
# the list of registered tests (tests/registered.txt) does not change.
if(COMMAND tessera_missing_test)
	return()
endif()

function(tessera_missing_test name reason)
	cmake_parse_arguments(PARSE_ARGV 2 M "" "" "LABELS")
	message(WARNING "test ${name} cannot run: ${reason} (it is registered as a failing test)")
	add_test(NAME ${name} COMMAND sh -c
		"echo \"$1\"; if [ \"$TESSERA_ALLOW_SKIP\" = 1 ]; then exit 77; fi; exit 1"
		sh "${name} cannot run: ${reason} (TESSERA_ALLOW_SKIP=1: skip on purpose)")
	set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 LABELS "${M_LABELS}")
endfunction()
