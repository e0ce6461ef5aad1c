// Add to cart without a page load: the browser calls the api through the reverse proxy (JSON body, so the
// api's content-type rule applies) and updates the badge. Without JavaScript the same form posts to the
// web tier with its antiforgery token, so nothing here is required for the shop to work.
(function () {
  'use strict';
  var status = document.getElementById('cart-status');
  var badge = document.getElementById('cart-count');

  function say(text, isError) {
    if (!status) return;
    status.textContent = text;
    status.className = 'notice ' + (isError ? 'error' : 'ok');
    status.hidden = false;
  }

  document.querySelectorAll('form[data-add-to-cart]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      var quantity = parseInt(form.elements.quantity.value, 10);
      if (!(quantity >= 1)) { say('Please choose a quantity of at least 1.', true); return; }
      button.disabled = true;
      fetch(form.getAttribute('data-api-url'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
        body: JSON.stringify({ productId: Number(form.elements.productId.value), quantity: quantity })
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) {
            if (badge && typeof body.itemCount === 'number') badge.textContent = String(body.itemCount);
            say('Added to your cart.', false);
          } else if (response.status === 429) {
            say('Too many requests right now. Please try again in a moment.', true);
          } else {
            say(body.detail || body.title || 'Sorry, this item could not be added.', true);
          }
        });
      }).catch(function () {
        // The api is unreachable from the browser: fall back to the plain form post.
        form.submit();
      }).finally(function () { button.disabled = false; });
    });
  });
})();
