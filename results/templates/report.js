// raftcheck's report: the little the page does beyond links.
(function () {
  'use strict';
  // Porcupine's page, in the iframe, has its own "jump to first error"
  // link; the button reaches it when the browser lets the page into the
  // frame (a srcdoc frame shares the page's origin), and otherwise just
  // brings the frame into view.
  var jump = document.getElementById('porcupine-jump');
  var frame = document.getElementById('porcupine-frame');
  if (jump && frame) {
    jump.addEventListener('click', function () {
      frame.scrollIntoView({block: 'start'});
      try {
        var link = frame.contentDocument && frame.contentDocument.getElementById('jump-link');
        if (link) {
          link.dispatchEvent(new MouseEvent('click', {bubbles: true}));
        }
      } catch (e) {
        // Cross-origin in this browser: the frame is in view, and its own
        // "[ jump to first error ]" link is at its top.
      }
    });
  }
  // The frame takes the height of Porcupine's drawing (up to most of a
  // screen), so that the rows of faults, nodes and leaders below the
  // clients are in view without scrolling inside it.
  if (frame) {
    var fit = function () {
      try {
        var doc = frame.contentDocument;
        if (doc && doc.body) {
          var h = Math.max(doc.documentElement.scrollHeight, doc.body.scrollHeight) + 24;
          frame.style.height = Math.min(Math.max(h, 300), Math.max(window.innerHeight * 0.9, 500)) + 'px';
        }
      } catch (e) {
        // Cross-origin in this browser: keep the height the style gives.
      }
    };
    frame.addEventListener('load', fit);
    fit();
  }
  var toPorcupine = document.getElementById('jump-porcupine');
  if (toPorcupine && jump) {
    toPorcupine.addEventListener('click', function (ev) {
      ev.preventDefault();
      jump.click();
    });
  }
})();
