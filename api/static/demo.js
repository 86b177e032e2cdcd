/* The demo contact form goes nowhere: it only says so. */
document.getElementById('contact-form').addEventListener('submit', function (event) {
  event.preventDefault();
  document.getElementById('sent').hidden = false;
});
