// Stands in for @twilio-paste/react-textarea-autosize-library in the bundle (see webpack.config.js):
// Paste's TextArea grows with its text through it, at about 8 KB gzipped (lodash included). The
// plugin's text areas hold at most 320 characters, which Paste's three rows and a vertical resize
// handle fit. The sizing props are dropped; everything else reaches the textarea.
import * as React from 'react';

const TextareaFixedRows = React.forwardRef(function TextareaFixedRows({ minRows, maxRows, onHeightChange, cacheMeasurements, ...props }, ref) {
  return React.createElement('textarea', { ...props, ref });
});

export default TextareaFixedRows;
