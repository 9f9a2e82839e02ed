// The printable record of a request: the button opens the browser's print dialogue.
"use strict";
document.getElementById("print").addEventListener("click", () => window.print());
