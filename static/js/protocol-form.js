// Checks the protocol's control relations while the observer types. The relations arrive as
// trees built by the server's own parser (no second parser here), and a broken one is only a
// warning: an inconsistent copy of the protocol is evidence too, and is always sent.
(function () {
  var form = document.querySelector("form.protocol");
  var data = document.getElementById("protocol-relations");
  if (!form || !data) return;
  var relations = JSON.parse(data.textContent);
  var list = document.getElementById("relation-warnings");

  function figures() {
    var values = {};
    form.querySelectorAll("input[data-line]").forEach(function (input) {
      if (input.value !== "" && /^\d+$/.test(input.value)) values[input.dataset.line] = parseInt(input.value, 10);
    });
    return values;
  }

  function value(node, values) {
    if ("number" in node) return node.number;
    if ("line" in node) { if (!(node.line in values)) throw "incomplete"; return values[node.line]; }
    if ("negate" in node) return -value(node.negate, values);
    if ("sum" in node) {
      var total = 0, found = false;
      Object.keys(values).forEach(function (code) { if (code.indexOf(node.sum) === 0) { total += values[code]; found = true; } });
      if (!found) throw "incomplete";
      return total;
    }
    var left = value(node.left, values), right = value(node.right, values);
    return node.op === "+" ? left + right : left - right;
  }

  function holds(op, difference, tolerance) {
    switch (op) {
      case "==": return Math.abs(difference) <= tolerance;
      case "!=": return Math.abs(difference) > tolerance;
      case "<=": return difference <= tolerance;
      case "<": return difference < tolerance;
      case ">=": return difference >= -tolerance;
      default: return difference > -tolerance;
    }
  }

  // The lines a relation names (a sum names every sub-line of its prefix), in the form's order.
  function linesOf(node, codes) {
    if ("line" in node) { codes.push(node.line); }
    else if ("sum" in node) {
      form.querySelectorAll("input[data-line]").forEach(function (input) {
        if (input.dataset.line.indexOf(node.sum) === 0) { codes.push(input.dataset.line); }
      });
    }
    else if ("negate" in node) { linesOf(node.negate, codes); }
    else if ("left" in node) { linesOf(node.left, codes); linesOf(node.right, codes); }
    return codes;
  }

  // What is wrong, in numbers: the sign that holds instead of the one the protocol requires.
  var BROKEN = { "==": "≠", "!=": "=", "<=": ">", "<": "≥", ">=": "<", ">": "≤" };

  function check() {
    var values = figures();
    while (list.firstChild) { list.removeChild(list.firstChild); }
    form.querySelectorAll("input.relation-broken").forEach(function (input) {
      input.classList.remove("relation-broken"); input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
    relations.forEach(function (relation, index) {
      var tree = relation.tree, left, right;
      try { left = value(tree.left, values); right = value(tree.right, values); } catch (incomplete) { return; }
      if (holds(tree.op, left - right, relation.tolerance)) return;
      var item = document.createElement("li");
      item.id = "relation-warning-" + index;
      var title = document.createElement("strong");
      title.textContent = relation.label || relation.expression;
      var numbers = document.createElement("span");
      numbers.className = "muted";
      numbers.textContent = " (" + left + " " + (BROKEN[tree.op] || "≠") + " " + right + ")";
      var lines = document.createElement("ul");
      linesOf(tree, []).forEach(function (code) {
        var input = form.querySelector("input[data-line='" + code + "']");
        if (!input) return;
        var label = form.querySelector("label[for='" + input.id + "']");
        var line = document.createElement("li");
        line.textContent = (label ? label.textContent.trim() : code) + ": " + (input.value === "" ? "—" : input.value);
        lines.appendChild(line);
        input.classList.add("relation-broken");
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + item.id).trim());
      });
      item.append(title, numbers, lines);
      list.appendChild(item);
    });
    list.closest("section").hidden = list.children.length === 0;
  }

  form.addEventListener("input", check);
  check();
})();
