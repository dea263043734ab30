import { describeLiveFeed } from '../support/live-feed';

describeLiveFeed('ws', 'WebSocket');
