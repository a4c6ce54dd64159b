# Flags of the guest build: kernel and user programs (RV64IMAC, no FPU).
set(TESSERA_ARCH -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany)
# Linking selects the multilib by -march; extension suffixes defeat the match.
set(TESSERA_LINK_ARCH -march=rv64imac -mabi=lp64 -mcmodel=medany)
set(TESSERA_ABI_INCLUDE ${CMAKE_SOURCE_DIR}/ipc/include)

# tessera_program(<name> <source>...): a user program linked with picolibc,
# Tessera's libc glue and dux; packed into the boot image (initrd.img) under <name>.
function(tessera_program name)
	add_executable(${name} ${ARGN})
	target_compile_options(${name} PRIVATE ${TESSERA_ARCH} ${TESSERA_WARNINGS}
		--specs=picolibc.specs -O2 -g -fno-omit-frame-pointer)
	target_include_directories(${name} PRIVATE ${TESSERA_ABI_INCLUDE}
		${CMAKE_SOURCE_DIR}/libc/include)
	target_link_options(${name} PRIVATE ${TESSERA_LINK_ARCH} --specs=picolibc.specs
		-nostartfiles -T ${CMAKE_SOURCE_DIR}/libc/user.ld -Wl,-z,max-page-size=4096
		-Wl,--gc-sections -Wl,-u,_start)
	target_link_libraries(${name} PRIVATE dux tessera_libc)
	set_property(GLOBAL APPEND PROPERTY TESSERA_PROGRAMS ${name})
endfunction()

# tessera_boot_file(<name> <path>): put a raw file into the boot image.
function(tessera_boot_file name path)
	set_property(GLOBAL APPEND PROPERTY TESSERA_BOOT_FILES "${name}=${path}")
endfunction()

# tessera_boot_file_truncated(<name> <program> <bytes>): the first <bytes> of
# a program's ELF file, as a malformed executable for tests.
function(tessera_boot_file_truncated name program bytes)
	set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.truncated)
	add_custom_command(OUTPUT ${out}
		COMMAND head -c ${bytes} $<TARGET_FILE:${program}> > ${out}
		DEPENDS ${program} VERBATIM)
	add_custom_target(${name}_file DEPENDS ${out})
	set_property(GLOBAL APPEND PROPERTY TESSERA_BOOT_FILES "${name}=${out}")
	set_property(GLOBAL APPEND PROPERTY TESSERA_BOOT_FILE_DEPS ${name}_file)
endfunction()
