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

  function check() {
    var values = figures();
    list.innerHTML = "";
    relations.forEach(function (relation) {
      var tree = relation.tree, left, right;
      try { left = value(tree.left, values); right = value(tree.right, values); } catch (incomplete) { return; }
      if (holds(tree.op, left - right, relation.tolerance)) return;
      var item = document.createElement("li");
      item.textContent = relation.label + " (" + relation.expression + ": " + left + " / " + right + ")";
      list.appendChild(item);
    });
    list.closest("section").hidden = list.children.length === 0;
  }

  form.addEventListener("input", check);
  check();
})();
