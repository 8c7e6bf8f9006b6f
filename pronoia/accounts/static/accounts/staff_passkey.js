// After a passkey is registered (django-otp-webauthn fires otp_webauthn.register_complete),
// go on to the page named by data-after-register-url (backup codes after enrolment).
window.addEventListener("otp_webauthn.register_complete", () => {
  const box = document.getElementById("staff-passkey-registration");
  const target = box ? box.dataset.afterRegisterUrl : "";
  if (target && target.startsWith("/") && !target.startsWith("//")) {
    window.location.assign(target);
  }
});
