// Runs before the page paints (not deferred): marks that scripts run, so the stylesheet can fold
// the navigation behind its menu button and lay tables out as cards without a flash.
document.documentElement.classList.add("js");
