package org.cloudmesh.cms.app.admin;

import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.util.Map;

/** A QR code as text: two modules a character with Unicode half blocks, dark on light, with a quiet zone. */
public final class QrText {
    private QrText() {}

    public static String render(String text) {
        BitMatrix m;
        try {
            m = new QRCodeWriter().encode(text, com.google.zxing.BarcodeFormat.QR_CODE, 0, 0,
                    Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.L, EncodeHintType.MARGIN, 2));
        } catch (WriterException e) {
            throw new IllegalArgumentException("cannot make a QR code: " + e.getMessage(), e);
        }
        // light modules print as blocks and dark ones as blanks, which reads right on a dark terminal (most are);
        // the quiet zone is light, so a scanner finds the code's edge on either background
        StringBuilder b = new StringBuilder();
        int w = m.getWidth();
        int h = m.getHeight();
        for (int y = 0; y < h; y += 2) {
            for (int x = 0; x < w; x++) {
                boolean top = !m.get(x, y);
                boolean bottom = y + 1 < h ? !m.get(x, y + 1) : false;
                b.append(top && bottom ? '\u2588' : top ? '\u2580' : bottom ? '\u2584' : ' ');
            }
            b.append('\n');
        }
        return b.toString();
    }
}
