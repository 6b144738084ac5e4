// The default theme, with the captions and figure styles of custom.css. VitePress requires a default export here.
import DefaultTheme from 'vitepress/theme';
import './custom.css';

export default DefaultTheme;
