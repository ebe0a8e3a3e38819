// "Salin alamat": copies the text of the field named by data-copy. Without JavaScript (or the
// clipboard) the button stays hidden and the field can be selected and copied by hand.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  if (!field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(field.value).then(() => {
      button.textContent = button.dataset.done || button.textContent;
    });
  });
});
