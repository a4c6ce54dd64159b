# docs/performance.md is the rendering of docs/performance.md.in with the
# runs recorded in bench/results.json, and shows every key the benchmark
# sources name (ci/bench --check-doc; no QEMU).  docs/performance.md.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
	add_test(NAME performance_doc_current
		COMMAND ${Python3_EXECUTABLE} ${TESSERA_ROOT}/ci/bench --check-doc)
	set_tests_properties(performance_doc_current PROPERTIES LABELS host)
else()
	tessera_missing_test(performance_doc_current "python3 missing" LABELS host)
endif()
