# The console font: a PSF font from Debian's console-setup-linux
# (ci/packages.txt), gunzipped at build time; never committed.
#   tessera_font(<output.psf>)  adds the command that makes <output.psf>
set(TESSERA_FONT_GZ /usr/share/consolefonts/Lat15-Terminus16.psf.gz
	CACHE FILEPATH "PSF console font (gzip) the console embeds")

function(tessera_font out)
	if(NOT EXISTS ${TESSERA_FONT_GZ})
		message(FATAL_ERROR "console font ${TESSERA_FONT_GZ} missing: run ci/deps "
			"(package console-setup-linux) or set -DTESSERA_FONT_GZ=<font.psf.gz>")
	endif()
	add_custom_command(OUTPUT ${out}
		COMMAND sh -c "gzip -dc '${TESSERA_FONT_GZ}' > '${out}.tmp' && mv '${out}.tmp' '${out}'"
		DEPENDS ${TESSERA_FONT_GZ}
		COMMENT "Unpacking console font ${TESSERA_FONT_GZ}"
		VERBATIM)
endfunction()
