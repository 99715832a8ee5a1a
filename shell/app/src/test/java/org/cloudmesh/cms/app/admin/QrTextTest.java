package org.cloudmesh.cms.app.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import org.junit.jupiter.api.Test;

class QrTextTest {
    /** The half-block text, drawn back as pixels (dark where the terminal shows no block), decodes to the URI. */
    @Test
    void theTerminalQrCodeDecodesToTheUri() throws Exception {
        String uri = Totp.uri("alice", "JBSWY3DPEHPK3PXP");
        String[] lines = QrText.render(uri).split("\n");
        int w = lines[0].length();
        int h = lines.length * 2;
        int scale = 4;
        int[] px = new int[w * scale * h * scale];
        for (int row = 0; row < lines.length; row++) {
            for (int x = 0; x < w; x++) {
                char c = lines[row].charAt(x);
                boolean topLight = c == '\u2588' || c == '\u2580';
                boolean bottomLight = c == '\u2588' || c == '\u2584';
                for (int half = 0; half < 2; half++) {
                    int colour = (half == 0 ? topLight : bottomLight) ? 0xffffff : 0x000000;
                    int y = row * 2 + half;
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) px[(y * scale + dy) * w * scale + x * scale + dx] = colour;
                    }
                }
            }
        }
        BinaryBitmap image = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(w * scale, h * scale, px)));
        assertEquals(uri, new QRCodeReader().decode(image).getText());
    }
}
