// Every page of the console, one file each: a new page is a file calling registerPage() and a
// line here (the order of the navigation bar is each page's `order`).
import './images.js';
import './image-details.js';
import './instances.js';
import './volumes.js';
import './snapshots.js';
import './autoscaling.js';
import './kms.js';
