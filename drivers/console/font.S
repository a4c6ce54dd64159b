/* The console font, unpacked at build time (cmake/font.cmake). */
	.section .rodata
	.balign 8
	.globl console_font
	.globl console_font_end
console_font:
	.incbin CONSOLE_FONT_FILE
console_font_end:
