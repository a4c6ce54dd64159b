# Guest mode, included last: pack every tessera_program() (GLOBAL property
# TESSERA_PROGRAMS) and every raw file of tessera_boot_file*() (TESSERA_BOOT_FILES
# "name=path", built by the targets in TESSERA_BOOT_FILE_DEPS) into the boot
# image ${CMAKE_BINARY_DIR}/initrd.img (format: tools/mkinitrd.py).
find_package(Python3 REQUIRED COMPONENTS Interpreter)

get_property(_tessera_programs GLOBAL PROPERTY TESSERA_PROGRAMS)
set(_tessera_initrd_args)
set(_tessera_initrd_deps)
foreach(_prog IN LISTS _tessera_programs)
	list(APPEND _tessera_initrd_args "${_prog}=$<TARGET_FILE:${_prog}>")
	list(APPEND _tessera_initrd_deps ${_prog})
endforeach()

get_property(_tessera_files GLOBAL PROPERTY TESSERA_BOOT_FILES)
get_property(_tessera_file_deps GLOBAL PROPERTY TESSERA_BOOT_FILE_DEPS)
foreach(_file IN LISTS _tessera_files)
	list(APPEND _tessera_initrd_args "${_file}")
	string(REGEX REPLACE "^[^=]*=" "" _path "${_file}")
	list(APPEND _tessera_initrd_deps ${_path})
endforeach()
list(APPEND _tessera_initrd_deps ${_tessera_file_deps})

list(JOIN _tessera_programs " " _tessera_program_names)
add_custom_command(
	OUTPUT ${CMAKE_BINARY_DIR}/initrd.img
	COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/mkinitrd.py
		-o ${CMAKE_BINARY_DIR}/initrd.img ${_tessera_initrd_args}
	DEPENDS ${_tessera_initrd_deps} ${CMAKE_SOURCE_DIR}/tools/mkinitrd.py
	COMMENT "Packing boot image initrd.img (${_tessera_program_names})"
	VERBATIM)
add_custom_target(initrd ALL DEPENDS ${CMAKE_BINARY_DIR}/initrd.img)
