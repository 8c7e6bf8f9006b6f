// Conditional questions (the GOV.UK "conditional reveal" pattern) for forms built from definitions.
// Without JavaScript every question is shown, each conditional one with a note saying when to answer
// it (the server ignores answers to questions whose condition does not hold). With JavaScript a
// conditional question is shown only while its condition holds, and the note is hidden.
(function () {
  "use strict";

  function currentValue(root, name) {
    var inputs = root.querySelectorAll("[name=\"" + name + "\"]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio") {
        if (input.checked) { return input.value; }
      } else if (input.type === "checkbox") {
        return input.checked ? "true" : "false";
      } else {
        return input.value;
      }
    }
    return null;
  }

  function update(root) {
    var hidden = {};
    var blocks = root.querySelectorAll("[data-show-if-field]");
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      var controller = block.getAttribute("data-show-if-field");
      var wanted = JSON.parse(block.getAttribute("data-show-if-values") || "[]");
      var value = hidden[controller] ? null : currentValue(root, controller);
      var show = value !== null && wanted.indexOf(value) !== -1;
      block.hidden = !show;
      var fieldName = block.id.replace(/^conditional-/, "");
      hidden[fieldName] = !show;
    }
    var controls = root.querySelectorAll("[aria-controls]");
    for (var j = 0; j < controls.length; j++) {
      var ids = controls[j].getAttribute("aria-controls").split(" ");
      var expanded = false;
      for (var k = 0; k < ids.length; k++) {
        var target = document.getElementById(ids[k]);
        if (target && !target.hidden) { expanded = true; }
      }
      // ARIA allows aria-expanded on a select (combobox) but not on radios and checkboxes; those
      // keep aria-controls only, as GOV.UK Frontend's conditional reveal does since v5.
      if (controls[j].type !== "radio" && controls[j].type !== "checkbox") {
        controls[j].setAttribute("aria-expanded", expanded ? "true" : "false");
      }
    }
  }

  function init(root) {
    var notes = root.querySelectorAll(".pronoia-conditional__note");
    for (var i = 0; i < notes.length; i++) { notes[i].hidden = true; }
    root.addEventListener("change", function () { update(root); });
    update(root);
  }

  var forms = document.querySelectorAll("[data-pronoia-form]");
  for (var i = 0; i < forms.length; i++) { init(forms[i]); }
})();
