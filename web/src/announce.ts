/**
 * Says a short status to screen readers through one live region that stays in the page
 * (pages are drawn anew, and a live region drawn with its text is often not read).
 */
export function announce(text: string): void {
  let region = document.getElementById('announcer');
  if (!region) {
    region = document.createElement('div');
    region.id = 'announcer';
    region.className = 'sr-only';
    region.setAttribute('role', 'status');
    region.setAttribute('aria-live', 'polite');
    document.body.appendChild(region);
  }
  const target = region;
  // Emptied first, so the same words said twice are read twice.
  target.textContent = '';
  window.setTimeout(() => {
    target.textContent = text;
  }, 50);
}
