// Loaded synchronously at the top of <body> (never inline: the content security policy forbids
// inline scripts): marks the page as having JavaScript before it is drawn, as GOV.UK Frontend expects.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
